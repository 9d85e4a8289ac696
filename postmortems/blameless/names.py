"""First names from many languages, beyond the common English ones in words.py: a review
names the people who were there, and a name the checker does not know is a person it
cannot see ("Kwabena never got around to renewing the certificate").

A name counts only when capitalised (clauses.is_person), so names that are also English
words ("Will", "Grace", "Rose") are safe in lowercase text.
"""

# A word list reads better as words than as quoted strings.
MORE_FIRST_NAMES = set(
    """
    abebe abena abiodun abimbola adaeze adebayo adeola adewale adjoa afia akosua akua
    amadou amina aminata ayodele babajide bongani chiamaka chidinma chinedu chinonso
    chukwuemeka dumisani ebere efua ekow emeka enitan esi folake funmilayo habib ibrahim
    ikechukwu jabari kagiso kamau kayode kiptoo kojo kwabena kwadwo kwaku lindiwe lungile
    mandla mariama moussa musa mwangi nana ndidi ngozi njeri nkechi nnamdi obinna ola
    olamide olumide oluwaseun oluwatobi ousmane sade sibusiso sipho tendai themba thandiwe
    tunde uche wanjiru yaw yetunde zanele zola
    aarav aditya ajay akash akhil alok amrita ananya anil anjali ankit anupam arnav arun
    aruna ashok bhavna chetan deepa deepika dev devika dinesh divya gaurav geeta harish
    hemant indira ishaan jaya jyoti kabir kamal karan kavita kiran krishna kumar lakshmi
    madhu mahesh manish meena meera mohan mukesh naveen neha nisha pooja pradeep pranav
    prakash prasad preeti priyanka rahul rakesh ramesh rani rekha ritu rohit sachin sandeep
    sanjana santosh sarita shalini shreya shruti siddharth suresh swati tanvi varun vijay
    vinod vivek yash
    aiko akemi asuka ayumi daiki emi haruka haruto hina hiroki hiromi kaito kaori kazuki
    keiko kenta koji makoto mariko masato minoru misaki naoki natsuki riko ryo ryota sakura
    satoshi shota sora takashi takumi taro tomoko yoko yuka yuma yuto yui
    chang chao fang feng guo hao hua hui jian jie jing lei lian lin ling
    ming ning peng qiang qing rui shan tao ting wen xia xiao xin xu yang ying yong
    yu yun zhang zhen zhi zhou
    seung-min min-ji ji-hoon jae-won hye-won soo-ah ha-eun do-yoon ji-ho ji-woo jin jisoo jiwon
    min-jun minho seo-yeon seo-jun soo-jin sung-min yeon
    hyun hye-jin dong-hyun eun-ji
    anh bao duc hanh hieu huong khanh linh minh nga ngoc nguyen phuong quang
    thanh thao trang tuan
    abdullah adel adnan ahmet ali amal amina anwar ayman aziz bashir bilal dalia emre
    fadi faisal farid fatih hadi hakan halima hamza hasan hussein imran ismail jamila
    khaled khalid layla mahmoud malik mariam mehdi mohammad mona mustafa nabil nadia
    nasser nour omer osman rami rana reza saeed salma samir sana selim sina tarek walid
    yasmin yousef zaid zahra zeynep
    agnieszka aleksandra aleksandr aleksei alexei alena anatoly andrei andrzej bartosz
    bogdana boris darya dmytro ekaterina elena evgeny galina grzegorz irina jakub jaroslav
    jelena jiri kamil katarzyna konstantin krzysztof ludmila lukasz maciej magdalena
    marek marina mikhail milos miroslav natasha nikolai nikola oksana oleg olena
    petr petra piotr radek roman ruslan stanislav svetlana tatiana tomasz vadim valentin
    vasily vera vladimir vlad wojciech yaroslav yelena yuri zbigniew zoran
    adriana alberto alejandra alvaro ana andres antonella beatriz camilo catalina cesar
    claudia cristian daniela eduardo elisa emilio enrique esteban fabio federico felipe
    fernanda francisco gabriela gonzalo guadalupe guillermo gustavo ignacio isabela jaime
    joao joaquin julieta leonardo lorena luciana manuel marcela mariana marisol martina
    mauricio mercedes nicolas octavio paola raquel ricardo rodrigo rosario santiago sergio
    silvia thiago valeria ximena
    agnes anders annika arne birgitta bjorn eero elin emil erika frida gunnar hanne
    hedda ilse jens jonna juha kaisa karin kari kirsi leif liv maja matti mette mikael
    mikko nora olav pekka pernille rasmus sanna sigrid sven tuomas ulla vilja
    aoife brendan cian ciara declan eamon eoin fionn grainne niall oisin padraig roisin
    saoirse seamus sinead
    adeline amelie anais antoine aurelie benoit camille celine clement elodie etienne
    fabien florian francois guillaume helene jacques julien laurent lea lucien margaux
    mathieu mathilde maxime nathalie olivier philippe remi sebastien sylvie thibault
    yannick
    alessandro alessia andrea beatrice carlo chiara davide elisabetta emanuele enrico
    federica filippo gianluca giorgio giuseppe ilaria luca marcello massimo mattia nicola
    paolo pietro riccardo roberta salvatore simone stefano tommaso vittoria
    anke bernd dieter dirk frauke gerhard gisela heike heinz helmut horst jurgen karl
    katrin klaus kurt lutz manfred markus monika rainer ralf sabine silke thorsten ulrike
    uwe volker wolfgang
    ariel avi chaim dov eitan ilan itai lior moshe noa ori shira tal yael yonatan
    aroha hemi kiri manaia nikau tane wiremu
     lucía pieter dariusz amira björn zofia pawel paweł joost sanne daan femke willem thijs
    ruud lotte joão sofía andrés josé fatma riku xiaoming ayse ayşe burak deniz taras
    giorgos nikos eleni katerina dimitris
""".split()  # noqa: SIM905
)
